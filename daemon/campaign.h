/* campaign.h: not written yet */
