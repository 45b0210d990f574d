/* inspect.h: not written yet */
