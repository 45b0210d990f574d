/*
 * quote_lang.c -- see quote_lang.h. Lower-case UTF-8 (quote.c lower-cases
 * ASCII and Cyrillic before matching); a trailing space means a word
 * boundary.
 */
#include "mail/quote_lang.h"

static const char *const w_on[] = {
	"on ", "op ", "am ", "le ", "dne ", "на ", "w dniu ", "dnia ", "den ",
	"på ", "vào ", "el ", "il ", "em ", "в ", "dana ", "in data ",
	"στις ", "în ", "el día ", "il giorno ",
};

static const char *const w_wrote[] = {
	"wrote", " sent:", "schreef", "geschreven", "schrieb", "napsal",
	"написа", "написал", "написав", "écrit", "ecrit", "napisał", "pisze",
	"skrev", "đã viết", "escribió", "scrisse", "scritto", "escreveu",
	"escrit", "kirjoitti", "írta", "a scris", "έγραψε", "写道", "작성",
	"のメッセージ", "napisala", "napísal", "schreibt", "napisana",
	"rašė", "rakstīja", "yazdı", "kirjutas", "skrifaði", "menulis",
	"va escriure", "написао", "написала", "napisao", "het geskryf",
	"כתב", "kirjoitti", "ezt írta", "viết", "пишет", "пише", "napisal",
	"書きました", "heeft geschreven", "ha escrito",
};

static const char *const w_contact[] = {
	"phone", "tel", "tel.", "telephone", "telefon", "telefoon", "mobile",
	"mobil", "mob", "mobiel", "cell", "fax", "skype", "web", "website",
	"e-mail", "email", "mail", "address", "adresa", "adres", "adresse",
	"имейл", "телефон", "адрес", "тел", "моб", "ič", "ičo", "dič", "iban",
	"kvk", "btw", "www",
};

static const char *const w_original[] = {
	"original message", "reply message", "ursprüngliche nachricht",
	"original-nachricht", "originalnachricht", "antwort nachricht",
	"oprindelig meddelelse", "oprindelig besked", "původní zpráva",
	"pôvodná správa", "oorspronkelijk bericht", "oorspronkelijke bericht",
	"исходное сообщение", "оригинално съобщение", "оригинално писмо",
	"първоначално съобщение", "message d'origine", "message original",
	"originalmeddelelse", "opprinnelig melding", "ursprungligt meddelande",
	"mensaje original", "messaggio originale", "mensagem original",
	"wiadomość oryginalna", "oryginalna wiadomość", "alkuperäinen viesti",
	"eredeti üzenet", "mesaj original", "αρχικό μήνυμα", "原始邮件",
	"исходное письмо", "původní e-mail", "původní email",
};

static const char *const w_forward[] = {
	"forwarded message", "begin forwarded message", "weitergeleitete nachricht",
	"anfang der weitergeleiteten nachricht", "doorgestuurd bericht",
	"begin doorgestuurd bericht", "přeposlaná zpráva", "препратено съобщение",
	"препратено писмо", "пересылаемое сообщение", "пересланное сообщение",
	"message transféré", "début du message réexpédié", "mensaje reenviado",
	"messaggio inoltrato", "inizio messaggio inoltrato", "mensagem encaminhada",
	"videresendt meddelelse", "videresendt melding", "vidarebefordrat meddelande",
	"przekazana wiadomość", "wiadomość przekazana", "välitetty viesti",
	"továbbított üzenet", "mesaj redirecționat", "forwarded message:",
	"转发的邮件",
};

static const char *const w_from[] = {
	"from:", "von:", "van:", "od:", "от:", "de:", "fra:", "från:", "da:",
	"date:", "datum:", "sent:", "message du:", "发件人:", "lähettäjä:",
	"feladó:", "nadawca:", "de la:", "από:", "відправник:", "gesendet:",
};

static const char *const w_field[] = {
	"sent:", "date:", "to:", "cc:", "subject:", "gesendet:", "datum:",
	"an:", "betreff:", "verzonden:", "aan:", "onderwerp:", "odesláno:",
	"komu:", "předmět:", "kopie:", "изпратено:", "до:", "относно:", "тема:",
	"дата:", "кому:", "отправлено:", "копие:", "envoyé:", "envoyé le:",
	"à:", "a:", "objet:", "sujet:", "pour:", "sendt:", "til:", "emne:",
	"dato:", "skickat:", "till:", "ämne:", "inviato:", "oggetto:", "data:",
	"enviado:", "enviada:", "para:", "asunto:", "assunto:", "fecha:",
	"wysłano:", "wysłane:", "do:", "temat:", "dw:", "lähetetty:",
	"vastaanottaja:", "aihe:", "elküldve:", "címzett:", "tárgy:",
	"发送时间:", "收件人:", "主题:", "抄送:", "reply-to:", "répondre à:",
	"copie à:", "trimis:", "către:", "subiect:", "adresat:",
	"from:", "von:", "van:", "od:", "от:", "de:", "fra:", "från:", "da:",
	"发件人:", "lähettäjä:", "feladó:", "nadawca:",
};

static const char *const w_sent[] = {
	"sent from ", "sent with ", "sent via ", "sent using ", "get outlook for ",
	"изпратено от ", "изпратено с ", "odesláno z ", "odesláno ze ",
	"verzonden vanaf ", "verzonden met ", "verzonden vanuit ",
	"verstuurd vanaf ", "verstuurd vanuit ", "von meinem ", "gesendet von ",
	"gesendet mit ", "gesendet vom ", "envoyé de mon ", "envoyé depuis ",
	"envoyé à partir de ", "отправлено с ", "отправлено из ",
	"enviado desde ", "enviado do ", "enviado de ", "inviato da ",
	"skickat från ", "sendt fra ", "wysłane z ", "lähetetty ",
};

static const char *const w_send_verb[] = {
	"sent", "envoyé", "enviado", "gesendet", "verzonden", "verstuurd",
	"odesláno", "изпратено", "отправлено", "inviato", "skickat", "sendt",
	"wysłane", "lähetetty", "küldve", "trimis", "أرسلت", "أُرسلت", "送信", "发自",
};

static const char *const w_device[] = {
	"iphone", "ipad", "android", "blackberry", "outlook", "samsung",
	"galaxy", "huawei", "xiaomi", "mobile", "mobil", "smartphone", "ios",
	"mail app", "mail для", "windows",
};

static const char *const w_closing[] = {
	"regards", "kind regards", "best regards", "warm regards", "kindest regards",
	"with kind regards", "with best regards", "many thanks", "thanks",
	"thank you", "best", "all the best", "best wishes", "cheers",
	"sincerely", "yours sincerely", "sincerely yours", "yours truly",
	"yours faithfully", "br",
	"mit freundlichen grüßen", "mit freundlichen grüssen", "freundliche grüße",
	"freundliche grüsse", "viele grüße", "viele grüsse", "beste grüße",
	"liebe grüße", "lg", "mfg", "gruß", "grüße",
	"met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet",
	"groeten", "groet", "mvg", "hartelijke groet",
	"s pozdravem", "se srdečným pozdravem", "s přáním hezkého dne", "díky",
	"děkuji", "zdravím",
	"поздрави", "с уважение", "поздрав", "благодаря", "с поздрав",
	"с уважением", "спасибо",
	"cordialement", "bien cordialement", "bien à vous", "salutations", "cdt",
	"saludos", "un saludo", "atentamente", "saludos cordiales",
	"cumprimentos", "atenciosamente", "obrigado", "obrigada",
	"cordiali saluti", "saluti", "distinti saluti",
	"pozdrawiam", "z poważaniem", "z powazaniem",
	"med venlig hilsen", "venlig hilsen", "mvh", "hilsen", "kh",
	"vennlig hilsen", "med vennlig hilsen", "med vänliga hälsningar",
	"vänliga hälsningar", "hälsningar",
	"ystävällisin terveisin", "terveisin", "üdvözlettel",
};

#define LIST(a) { a, sizeof(a) / sizeof(*(a)) }

static const struct {
	const char *const *v;
	size_t n;
} lists[] = {
	[QW_ON] = LIST(w_on),
	[QW_WROTE] = LIST(w_wrote),
	[QW_ORIGINAL] = LIST(w_original),
	[QW_FORWARD] = LIST(w_forward),
	[QW_FROM] = LIST(w_from),
	[QW_FIELD] = LIST(w_field),
	[QW_SENT] = LIST(w_sent),
	[QW_SEND_VERB] = LIST(w_send_verb),
	[QW_DEVICE] = LIST(w_device),
	[QW_CLOSING] = LIST(w_closing),
	[QW_CONTACT] = LIST(w_contact),
};

const char *const *
quote_words(enum quote_wordlist which, size_t *n_r)
{
	*n_r = lists[which].n;
	return lists[which].v;
}
