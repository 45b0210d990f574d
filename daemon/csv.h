/* csv.h: not written yet */
