/*
 * cli_contacts.c -- `anketa contacts import|list|set-status|forget`.
 */
#include <getopt.h>
#include <string.h>
#include <sysexits.h>

#include "base/progress.h"
#include "model/contacts.h"
#include "cli.h"

/* ---- contacts ---------------------------------------------------------- */

static int
cmd_contacts_import(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "skip-invalid", no_argument, NULL, 's' }, { 0 } };
	struct contacts_import_opts o = { .progress = progress_cb };
	struct contacts_stats st = { 0 };
	struct errlist errs = { 0 };
	struct progress *pg;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 's')
			return EX_USAGE;
		o.skip_invalid = 1;
	}
	if (optind != argc - 1)
		return cli_usage_error("contacts import", "%s", "expected one FILE.csv");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	pg = progress_new(stdout, PROGRESS_AUTO, "importing", NULL, NULL);
	o.progress_arg = pg;
	rc = contacts_import_opts(c->store, argv[optind], &o, &st, &errs);
	progress_end(&pg);
	cli_print_errs(&errs);
	errlist_free(&errs);
	if (rc < 0) {
		fprintf(stderr, "%s: nothing imported (fix the rows above, "
			"or use --skip-invalid to import the valid ones)\n",
			argv[optind]);
		return EX_DATAERR;
	}
	printf("%s: %ld rows, %ld added, %ld updated, %ld skipped\n",
	       argv[optind], st.rows, st.added, st.updated, st.skipped);
	return st.skipped ? EX_DATAERR : EX_OK;
}

static int
cmd_contacts_list(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "country", required_argument, NULL, 'C' },
		{ "municipality", required_argument, NULL, 'm' },
		{ "language", required_argument, NULL, 'l' },
		{ "role", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' }, { 0 } };
	struct store_filter f = { 0 };
	const char *format = "text";
	struct err e = { "" };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'g': f.group = optarg; break;
		case 'C': f.country = optarg; break;
		case 'm': f.municipality = optarg; break;
		case 'l': f.language = optarg; break;
		case 'r': f.role = optarg; break;
		case 'f': format = optarg; break;
		default: return EX_USAGE;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "csv") &&
	    strcmp(format, "json"))
		return cli_usage_error("contacts list", "unknown format '%s'", format);
	if ((rc = cli_need_store_to_read(c)) != EX_OK)
		return rc;
	if (contacts_list(c->store, &f, format, stdout, &e) < 0) {
		fprintf(stderr, "anketa: %s\n", e.msg);
		return EX_SOFTWARE;
	}
	return EX_OK;
}

/* ---- personal data ------------------------------------------------------- */

static int
cmd_contacts_forget(struct ctx *c, int argc, char **argv)
{
	struct store_forget f;
	struct err e = { "" };
	int rc;

	if (argc != 2)
		return cli_usage_error("contacts forget", "%s",
				       "expected one ADDRESS");
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = store_contact_forget(c->store, argv[1], &f, &e);
	if (rc < 0) {
		fprintf(stderr, "anketa contacts forget: %s\n", e.msg);
		return f.in_flight ? EX_TEMPFAIL : EX_DATAERR;
	}
	if (rc == 0) {
		fprintf(stderr, "anketa contacts forget: %s: no contact, "
			"message or mail in the store has this address\n",
			argv[1]);
		return EX_DATAERR;
	}
	if (f.contact_id)
		printf("contact %lld: forgotten (now forgotten-%lld)\n",
		       (long long)f.contact_id, (long long)f.contact_id);
	else
		printf("no contact had this address: its mail forgotten\n");
	printf("%ld responses deleted, %ld messages emptied, %ld queued "
	       "mail cancelled, %ld outbox rows emptied, %ld mentions "
	       "elsewhere removed\n", f.responses, f.messages, f.cancelled,
	       f.deliveries, f.mentions);
	if (f.wal_kept)
		fprintf(stderr, "anketa contacts forget: another process "
			"reads an older snapshot: the write-ahead log keeps "
			"the old pages until its next checkpoint\n");
	return EX_OK;
}

/* Statuses staff may set; "forgotten" only comes from contacts forget. */
static const char *const settable_status[] = { "ok", "undeliverable",
					       "opted-out" };

static int
contact_id_of(void *arg, const struct store_contact *ct)
{
	*(int64_t *)arg = ct->id;
	return 0;
}

static int
cmd_contacts_set_status(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "reason", required_argument, NULL, 'r' }, { 0 } };
	const char *reason = NULL;
	struct err e = { "" };
	int64_t id = 0;
	size_t k = 0;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'r')
			return EX_USAGE;
		reason = optarg;
	}
	if (optind != argc - 2 || reason == NULL || *reason == '\0')
		return cli_usage_error("contacts set-status", "%s", "expected "
				       "ADDRESS STATUS --reason TEXT");
	while (k < 3 && strcmp(argv[optind + 1], settable_status[k]))
		k++;
	if (k == 3)
		return cli_usage_error("contacts set-status", "unknown status "
				       "'%s' (ok, undeliverable, opted-out)",
				       argv[optind + 1]);
	if ((rc = cli_need_store(c)) != EX_OK)
		return rc;
	rc = store_contact_find(c->store, "email", argv[optind],
				contact_id_of, &id, &e);
	if (rc > 0 && store_contact_set_status(c->store, id,
	    settable_status[k], reason, &e) < 0)
		rc = -1;
	if (rc <= 0) {
		fprintf(stderr, "anketa contacts set-status: %s: %s\n",
			argv[optind], rc < 0 ? e.msg : "no such contact");
		return EX_DATAERR;
	}
	printf("%s: %s\n", argv[optind], settable_status[k]);
	return EX_OK;
}

const struct command cli_contacts_commands[] = {
	{ "contacts import", cmd_contacts_import, "[--skip-invalid] FILE.csv",
	  "import or update contacts from an RFC 4180 CSV (all or nothing)" },
	{ "contacts list", cmd_contacts_list,
	  "[--group G] [--country C] [--municipality M] [--language L] "
	  "[--role R] [--format text|csv|json]", "list contacts" },
	{ "contacts set-status", cmd_contacts_set_status,
	  "ADDRESS ok|undeliverable|opted-out --reason TEXT",
	  "set a contact's status (e.g. after a bounce), recorded" },
	{ "contacts forget", cmd_contacts_forget, "ADDRESS",
	  "remove a person's answers, mail and queued mail; keep a "
	  "tombstone" },
};
const size_t cli_contacts_ncommands =
	sizeof(cli_contacts_commands) / sizeof(cli_contacts_commands[0]);
