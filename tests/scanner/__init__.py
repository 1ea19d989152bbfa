"""Tests of the camera scanning pipeline."""
