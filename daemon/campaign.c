/* campaign.c: not written yet */
