"""Text generation: the LLM engine (vLLM on GPU or CPU), its model files and OpenAI shapes."""
