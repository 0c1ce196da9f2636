"""One construct per concern; stacks/release_stack.py composes them."""
