"""Pure functions: the operations of a CNN and their gradients, no state."""
