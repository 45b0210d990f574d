/*
 * campaign.h -- reads campaign files (INI, see docs/campaign-format.md),
 * validates them against the config, the questionnaire and the template
 * sets, and stores them; never plans or sends deliveries.
 *
 * Use:     campaign_check(cfg, path, &errs)           validation only
 *          campaign_add(s, cfg, path, &name, &errs)   validate + store
 * Owns:    *name_r from campaign_add is the caller's (free()).
 * Errors:  0 ok; -1 with every problem as "FILE:LINE: reason" in errs
 *          (unknown section or key, missing name/template, bad deadline,
 *          unknown country or language, a [schedule] key that
 *          model/schedule.h refuses, questionnaire missing or invalid
 *          with the survey loader's own messages, template set missing).
 *          campaign_add stores the questionnaire version, the campaign
 *          and its [schedule] text in one transaction: on -1 the store is unchanged (a store error
 *          is added as "FILE: reason").
 * Events:  none.
 * Config:  paths.templates (template set NAME/), paths.surveys (fallback
 *          questionnaire directory), paths.schema.
 * Spec:    docs/campaign-format.md
 * Tests:   tests/unit/test_campaign.c, tests/data/campaigns/
 */
#ifndef ANKETA_CAMPAIGN_H
#define ANKETA_CAMPAIGN_H

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"

int campaign_check(const struct config *cfg, const char *path,
		   struct errlist *errs);
int campaign_add(struct store *s, const struct config *cfg, const char *path,
		 char **name_r, struct errlist *errs);

#endif
