/* form.h: not written yet */
