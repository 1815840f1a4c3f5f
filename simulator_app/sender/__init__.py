"""The live sender: sends the journey engine's requests with httpx, logs and measures them."""
