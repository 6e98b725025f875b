/*
 * lwIP port (updown): hook prototypes (LWIP_HOOK_FILENAME in lwipopts.h).
 */
#ifndef UPDOWN_FW_LWIP_HOOKS_H
#define UPDOWN_FW_LWIP_HOOKS_H

#include "lwip/arch.h"
#include "lwip/ip_addr.h"

/* LWIP_HOOK_TCP_ISN: RFC 6528 initial sequence number (fw_lwip.c). */
u32_t fw_lwip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
    const ip_addr_t *remote_ip, u16_t remote_port);

/*
 * Port-internal (fw_lwip_txq.c): write out the deferred frames, called by
 * UNLOCK_TCPIP_CORE() after the unlock; frames a driver failed to write.
 */
void fw_lwip_txq_after_unlock(void);
unsigned fw_lwip_txq_write_failed(void);

#endif
