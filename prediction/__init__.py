"""Offline tooling for the contact-reason predictor: synthetic histories, training and evaluation."""
