"""aiopt-harness: measure, profile and score compiled C++ candidate programs."""
