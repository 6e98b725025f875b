/*
 * hal/: error codes shared by every HAL interface.
 *
 * HAL functions return 0 on success or one of these negative codes
 * (range -0x20xx, STYLE "Errors"). A board may log more detail through the
 * log interface; callers only see the code.
 */
#ifndef UPDOWN_HAL_ERR_H
#define UPDOWN_HAL_ERR_H

#define HAL_ERR_ARG      -0x2001 /* NULL or unusable argument */
#define HAL_ERR_IO       -0x2002 /* the OS refused or failed an operation */
#define HAL_ERR_NOMEM    -0x2003
#define HAL_ERR_NOTFOUND -0x2004 /* not configured (no PIN source, no storage) */
#define HAL_ERR_NOTSUP   -0x2005 /* this board does not offer it */
#define HAL_ERR_STATE    -0x2006 /* called in the wrong order (e.g. net up twice) */
#define HAL_ERR_TOOBIG   -0x2007 /* the caller's buffer is too small */

#endif
