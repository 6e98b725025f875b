#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softhsm_fixture.h"

#define FIXTURE_SO_PIN   "5678"
#define FIXTURE_USER_PIN "1234"

int
softhsm_fixture_setup(struct softhsm_fixture *f, const char *label)
{
	char path[400], cmd[1024];
	FILE *fp;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/updown-softhsm.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		perror("mkdtemp");
		f->dir[0] = '\0';
		return -1;
	}
	snprintf(f->label, sizeof(f->label), "%s", label);
	f->module = SOFTHSM_MODULE;
	snprintf(path, sizeof(path), "%s/tokens", f->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/softhsm2.conf", f->dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
	    "log.level = ERROR\nslots.removable = false\n", f->dir);
	fclose(fp);
	if (setenv("SOFTHSM2_CONF", path, 1) != 0)
		return -1;
	snprintf(f->pin_file, sizeof(f->pin_file), "%s/pin", f->dir);
	if ((fp = fopen(f->pin_file, "w")) == NULL)
		return -1;
	fputs(FIXTURE_USER_PIN, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label '%s' "
	    "--so-pin " FIXTURE_SO_PIN " --pin " FIXTURE_USER_PIN " >/dev/null", label);
	if (system(cmd) != 0) {
		fprintf(stderr, "softhsm_fixture: softhsm2-util --init-token failed\n");
		return -1;
	}
	snprintf(f->uri, sizeof(f->uri), "pkcs11:token=%s?pin-source=file:%s", label,
	    f->pin_file);
	return 0;
}

void
softhsm_fixture_teardown(struct softhsm_fixture *f)
{
	char cmd[400];

	if (f->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "softhsm_fixture: could not remove %s\n", f->dir);
	f->dir[0] = '\0';
}
