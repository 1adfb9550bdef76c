"""Events for connected clients, published after the transaction commits."""
