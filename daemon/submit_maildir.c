/* submit_maildir.c: not written yet */
