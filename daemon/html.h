/* html.h: not written yet */
