/* tmpl.h: not written yet */
