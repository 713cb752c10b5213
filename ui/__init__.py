"""The chat UI's rendering; `app.py` holds the Gradio wiring and the entry point."""
