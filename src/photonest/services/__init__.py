"""Business rules: one service per upstream *.service.ts."""
