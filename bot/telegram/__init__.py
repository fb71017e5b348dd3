"""aiogram 3 transport: handlers and middlewares that turn updates into ``Dialogue`` calls."""
