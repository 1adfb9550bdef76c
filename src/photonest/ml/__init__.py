"""Machine learning: CLIP embeddings and faces, from local model folders or a remote immich-machine-learning service.

Only this package loads models or talks to the ML service; services reach it through `MachineLearning`.
"""
