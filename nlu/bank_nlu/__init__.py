"""The contact centre's NLU: a Rasa graph component for training, and a Rasa-free runtime for serving.

Serving imports nothing from Rasa: it reads the trained component's artifacts out of the Rasa model
archive, so a cold start pays for onnxruntime and numpy, not TensorFlow.
"""
