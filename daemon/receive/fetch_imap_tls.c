/*
 * fetch_imap_tls.c -- see fetch_imap_private.h: the check of an IMAP
 * server's certificate chain after libetpan's TLS handshake, with GnuTLS,
 * for the URL's host (SNI set unless it is an address); never reads or
 * writes the IMAP stream. Spec: RFC 6125, 6066.
 */
#include "receive/fetch_imap_private.h"

#include <arpa/inet.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* ---- TLS ------------------------------------------------------------------
 * libetpan's GnuTLS stream accepts any certificate. After the handshake
 * the whole chain the server sent (mailstream_get_certificate_chain) is
 * verified against ca_file or the system store, for the URL's host and
 * for TLS server use, as GnuTLS verifies its own sessions: an
 * intermediate CA comes from the server, only the root need be trusted.
 */

/* An address, not a name: no SNI (RFC 6066 3), and GnuTLS matches it
 * against the certificate's IP addresses. */
static int
imap_host_is_address(const char *host)
{
	struct in_addr a4;
	return strchr(host, ':') != NULL || inet_pton(AF_INET, host, &a4) == 1;
}

/* Called by libetpan before the handshake: ask for this host's
 * certificate (SNI), as a server with several names needs. */
void
fetch_imap_tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imap *im = data;
	if (!imap_host_is_address(im->u.host))
		mailstream_ssl_set_server_name(ctx, im->u.host);
}

/* The names a certificate is for, for a refusal: "DNS:a, IP:b". */
static void
imap_cert_names(gnutls_x509_crt_t crt, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < 16 && o < size; i++) {
		char name[256], ip[INET6_ADDRSTRLEN];
		size_t len = sizeof(name) - 1;
		int t = gnutls_x509_crt_get_subject_alt_name(crt, i, name,
							     &len, NULL);
		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		const char *shown = NULL, *kind = "DNS";
		if (t == GNUTLS_SAN_DNSNAME) {
			name[len < sizeof(name) ? len : sizeof(name) - 1] = 0;
			shown = name;
		} else if (t == GNUTLS_SAN_IPADDRESS &&
			   inet_ntop(len == 16 ? AF_INET6 : AF_INET, name, ip,
				     sizeof(ip)) != NULL) {
			shown = ip;
			kind = "IP";
		}
		if (shown != NULL)
			o += (size_t)snprintf(out + o, size - o, "%s%s:%s",
					      o ? ", " : "", kind, shown);
	}
	size_t len = size;
	if (o == 0 && gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &len) < 0)
		snprintf(out, size, "no name");
}

/* The chain, leaf first, checked; 1 trusted, 0 not (e says why). */
static int
imap_verify_chain(struct imap *im, const struct config_imap *c,
		  gnutls_x509_crt_t *crt, unsigned n, struct err *e)
{
	const char *ca = c->ca_file && *c->ca_file ? c->ca_file : NULL;
	const char *hp = im->u.hostport;
	char host[256], names[512];
	/* an IPv6 zone ("fe80::1%eth0") is not part of the address */
	snprintf(host, sizeof(host), "%.*s", (int)strcspn(im->u.host, "%"),
		 im->u.host);
	gnutls_typed_vdata_st vd[] = {
		{ .type = GNUTLS_DT_DNS_HOSTNAME, .data = (void *)host },
		{ .type = GNUTLS_DT_KEY_PURPOSE_OID,
		  .data = (void *)GNUTLS_KP_TLS_WWW_SERVER },
	};
	gnutls_x509_trust_list_t tl;
	unsigned status = 0;
	int ok = 0;
	gnutls_x509_trust_list_init(&tl, 0);
	int added = ca ? gnutls_x509_trust_list_add_trust_file(tl, ca, NULL,
			     GNUTLS_X509_FMT_PEM, 0, 0)
		       : gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (added <= 0)
		err_set(e, "%s: TLS: no CA certificates in %s", hp,
			ca ? ca : "the system trust store");
	else if (gnutls_x509_trust_list_verify_crt2(tl, crt, n, vd, 2, 0,
						    &status, NULL) < 0)
		err_set(e, "%s: TLS: cannot check the certificate chain", hp);
	else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		gnutls_datum_t dn = { NULL, 0 };
		gnutls_x509_crt_get_issuer_dn2(crt[n - 1], &dn);
		err_set(e, "%s: TLS: certificate not trusted: its chain ends "
			"at \"%s\", which is not in %s%s", hp,
			dn.data ? (char *)dn.data : "?",
			ca ? "ca_file " : "the system trust store",
			ca ? ca : "");
		gnutls_free(dn.data);
	} else if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		imap_cert_names(crt[0], names, sizeof(names));
		err_set(e, "%s: TLS: certificate is not for %s (it names %s)",
			hp, host, names);
	} else if (status != 0) {
		gnutls_datum_t out = { NULL, 0 };
		gnutls_certificate_verification_status_print(
		    status, GNUTLS_CRT_X509, &out, 0);
		err_set(e, "%s: TLS: certificate not trusted: %s", hp,
			out.data ? (char *)out.data : "?");
		gnutls_free(out.data);
	} else
		ok = 1;
	gnutls_x509_trust_list_deinit(tl, 1);
	return ok;
}

int
fetch_imap_verify_cert(struct imap *im, const struct config_imap *c,
    struct err *e)
{
	if (c->insecure)
		return 1;
	carray *chain = mailstream_get_certificate_chain(im->m->imap_stream);
	unsigned n = chain ? carray_count(chain) : 0, got = 0;
	gnutls_x509_crt_t crt[IMAP_CHAIN_MAX];
	if (n > IMAP_CHAIN_MAX)
		n = IMAP_CHAIN_MAX;	/* the rest cannot matter */
	for (; got < n; got++) {
		MMAPString *der = carray_get(chain, got);
		gnutls_datum_t d = { (unsigned char *)der->str,
				     (unsigned)der->len };
		gnutls_x509_crt_init(&crt[got]);
		if (gnutls_x509_crt_import(crt[got], &d,
					   GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crt[got]);
			break;
		}
	}
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	int ok = 0;
	if (n == 0)
		err_set(e, "%s: TLS: no server certificate", im->u.hostport);
	else if (got < n)
		err_set(e, "%s: TLS: unreadable server certificate",
			im->u.hostport);
	else
		ok = imap_verify_chain(im, c, crt, n, e);
	for (unsigned i = 0; i < got; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return ok;
}

