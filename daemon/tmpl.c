/* tmpl.c: not written yet */
