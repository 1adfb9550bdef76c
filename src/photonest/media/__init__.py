"""Media handling: file types, and the outside tools and libraries that read and write images and videos."""
