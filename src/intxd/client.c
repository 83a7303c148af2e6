/* SPDX-License-Identifier: MIT */
/* client.c - admission by peer credentials, and bindings. */
#include <string.h>

#include "client.h"
#include "conf.h"

bool client_admits(const struct client *c, const struct ucred *cred,
		   const gid_t *groups, unsigned ngroups)
{
	const struct conf_client *cc = c->conf;
	unsigned i;

	if (cc->uid < 0 && cc->gid < 0)
		return false; /* the config parser refuses this; be safe anyway */
	if (cc->uid >= 0 && (int64_t)cred->uid != cc->uid)
		return false;
	if (cc->gid < 0 || (int64_t)cred->gid == cc->gid)
		return true;
	for (i = 0; i < ngroups; i++)
		if ((int64_t)groups[i] == cc->gid)
			return true;
	return false;
}

bool client_bound(const struct client *c, const char *device)
{
	unsigned i;

	for (i = 0; i < c->conf->ndevices; i++)
		if (strcmp(c->root->devices[c->conf->devices[i]].name, device) == 0)
			return true;
	return false;
}
