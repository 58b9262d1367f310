"""Pure transforms: DataFrame in, new DataFrame out, no I/O."""
