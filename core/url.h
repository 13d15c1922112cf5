/* core/url.h: URL parsing with VLC's rules (vlc.strings.url_parse). No Lua. */
#ifndef VN_URL_H
#define VN_URL_H

struct vn_url {
	char *protocol, *username, *password, *host, *path, *option; /* NULL: absent */
	unsigned port;                                              /* 0: absent */
	char *buf;                                                  /* owns the strings */
};

/* Parse URL into *u. Returns 0, or -1 with *why set to a static message (and *u
 * holding nothing to free). On success release with vn_url_free. */
int vn_url_parse(const char *url, struct vn_url *u, const char **why);
void vn_url_free(struct vn_url *u);

#endif
