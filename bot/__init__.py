"""The aiogram face: routers for customers and admins, forms, keyboards, texts and the alert sender."""
