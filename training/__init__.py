"""Training recipes for both models; ``training.pipeline.train_model`` is the entry point."""
