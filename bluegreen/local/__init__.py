"""Local stand-ins for the cloud: things that let the workflow run on a laptop or in CI without AWS or EKS."""
