/* contacts.h: not written yet */
