/*
 * hal/storage: where persistent state lives.
 *
 * root() names a directory the firmware owns (the store's SQLite database,
 * the publication point, the audit log live under it). It exists and is
 * writable when the board hands it out; the pointer stays valid for the
 * board's lifetime. NULL when the board has no persistent storage.
 */
#ifndef UPDOWN_HAL_STORAGE_H
#define UPDOWN_HAL_STORAGE_H

struct hal_storage_ops {
	const char *(*root)(void *state);
};

struct hal_storage {
	const struct hal_storage_ops *ops;
	void *state;
};

#endif
