/* inspect.c: not written yet */
