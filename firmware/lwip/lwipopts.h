/*
 * lwIP options for the updown appliance (lwIP 2.1.3, compiled from Debian's
 * `lwip` source package by firmware/lwip.cmake; NOT Debian's prebuilt
 * liblwip, which is built with the Hurd's options and overflows the heap on
 * PBUF_POOL allocations: ../shared/recipes/qemu-appliance.md, pitfall 1).
 *
 * The appliance needs IPv4, TCP, ARP and ICMP echo on one Ethernet
 * interface, and the raw TCP API (firmware/http.c is event-driven: every
 * connection is a pcb with callbacks; no socket or netconn layer, no
 * per-connection thread). Everything else is off: no UDP, DHCP, DNS,
 * IGMP, IPv6, raw pcbs, IP forwarding, IP reassembly/fragmentation or IP
 * options, no sockets (LWIP_COMPAT_SOCKETS / LWIP_POSIX_SOCKETS_IO_NAMES
 * are 0 anyway, so nothing would clash with glibc's names).
 *
 * Threads: NO_SYS=0 on the pthreads port (sys_arch.c). LWIP_TCPIP_CORE_LOCKING
 * is on: the tcpip thread runs timers and holds the core lock while it does;
 * the board's receive thread takes the lock to feed frames in
 * (LWIP_TCPIP_CORE_LOCKING_INPUT, so frames never queue in a mailbox), and
 * the HTTP workers take it to hand responses back. LWIP_ASSERT_CORE_LOCKED
 * checks every raw-API call is made under the lock.
 *
 * Sizing (one appliance, >= 64 concurrent HTTP connections; the HTTP
 * server's default connection limit is 128, firmware/include/firmware/http.h):
 *   - 200 TCP pcbs: 128 connections, plus pcbs in TIME_WAIT/LAST_ACK after
 *     the server closes, plus connections refused with 503 (lwIP reclaims
 *     the oldest TIME_WAIT pcb when the pool runs out).
 *   - Receive: TCP_WND = 8 MSS (11680 bytes) per connection. The HTTP
 *     server copies every received pbuf into its own per-connection buffer
 *     at once, so the PBUF_POOL only holds frames in transit and
 *     out-of-sequence segments (<= 4 pbufs per pcb): 512 pool pbufs of
 *     1520 bytes (one Ethernet frame each).
 *   - Send: TCP_SND_BUF = 8 MSS per connection, data copied into lwIP's
 *     heap (TCP_WRITE_FLAG_COPY): 128 x 11680 = 1.5 MB at most in flight,
 *     so MEM_SIZE is 2 MiB. Responses (up to ~256 KB and beyond: UD-4) stay
 *     in the server's malloc'd buffer and are fed in as the window opens.
 *     When the heap or the segment pool is momentarily exhausted, tcp_write
 *     returns ERR_MEM and the server retries on the next ACK or poll.
 *   - 1024 TCP segments (queued, unacked and out-of-sequence, all pcbs).
 *
 * Randomness: LWIP_RAND (the local port start) and TCP initial sequence
 * numbers (LWIP_HOOK_TCP_ISN: RFC 6528, a keyed SHA-256 of the 4-tuple
 * plus a 4 us clock) come from the HAL entropy source (fw_lwip.c).
 *
 * Assertions stay on (LWIP_NOASSERT is never defined): a failed lwIP
 * assertion logs through the HAL and aborts (arch/cc.h). Sanitizer builds
 * (UPDOWN_SANITIZE) also compile lwIP's own pool and heap overflow and
 * sanity checks (FW_LWIP_DEBUG_CHECKS), since ASan cannot see inside
 * lwIP's static pools.
 */
#ifndef UPDOWN_LWIPOPTS_H
#define UPDOWN_LWIPOPTS_H

/* ---- system ---- */
#define NO_SYS                          0
#define SYS_LIGHTWEIGHT_PROT            1
#define LWIP_TIMERS                     1
#define LWIP_TCPIP_CORE_LOCKING         1
#define LWIP_TCPIP_CORE_LOCKING_INPUT   1
#define LWIP_MPU_COMPATIBLE             0
#define TCPIP_THREAD_NAME               "lwip-tcpip"
#define TCPIP_THREAD_STACKSIZE          0 /* the port's default */
#define TCPIP_THREAD_PRIO               0
#define TCPIP_MBOX_SIZE                 256
#define DEFAULT_THREAD_STACKSIZE        0
#define DEFAULT_THREAD_PRIO             0

/* Core-lock bookkeeping (fw_lwip.c): which thread holds the lock. */
void fw_lwip_lock_core(void);
void fw_lwip_unlock_core(void);
void fw_lwip_assert_core_locked(void);
void fw_lwip_mark_tcpip_thread(void);
#define LOCK_TCPIP_CORE()               fw_lwip_lock_core()
#define UNLOCK_TCPIP_CORE()             fw_lwip_unlock_core()
#define LWIP_ASSERT_CORE_LOCKED()       fw_lwip_assert_core_locked()
#define LWIP_MARK_TCPIP_THREAD()        fw_lwip_mark_tcpip_thread()

/* ---- memory ---- */
#define MEM_LIBC_MALLOC                 0
#define MEMP_MEM_MALLOC                 0
#define MEM_ALIGNMENT                   8
#define MEM_SIZE                        (2 * 1024 * 1024)
#define MEMP_NUM_PBUF                   64
#define MEMP_NUM_TCP_PCB                200
#define MEMP_NUM_TCP_PCB_LISTEN         4
#define MEMP_NUM_TCP_SEG                1024
#define MEMP_NUM_ARP_QUEUE              32
#define MEMP_NUM_SYS_TIMEOUT            (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define MEMP_NUM_TCPIP_MSG_API          64
#define MEMP_NUM_TCPIP_MSG_INPKT        256
#define PBUF_POOL_SIZE                  512
/* One Ethernet frame per pool pbuf: TCP_MSS + 40 (IP + TCP) + 14, aligned. */
#define PBUF_POOL_BUFSIZE               1520

#ifdef FW_LWIP_DEBUG_CHECKS
#define MEMP_OVERFLOW_CHECK             1
#define MEMP_SANITY_CHECK               1
#define MEM_OVERFLOW_CHECK              1
#define MEM_SANITY_CHECK                1
#endif

/* ---- link layer ---- */
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define ARP_TABLE_SIZE                  16
#define ARP_QUEUEING                    1
#define ETH_PAD_SIZE                    0
#define ETHARP_SUPPORT_STATIC_ENTRIES   0
#define LWIP_SINGLE_NETIF               1
#define LWIP_NETIF_TX_SINGLE_PBUF       1
#define LWIP_NETIF_API                  0
#define LWIP_NETIF_STATUS_CALLBACK      0
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_NETIF_HOSTNAME             0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0

/* ---- IP ---- */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define IP_FORWARD                      0
#define IP_REASSEMBLY                   0
#define IP_FRAG                         0
#define IP_OPTIONS_ALLOWED              0
#define IP_DEFAULT_TTL                  64
#define LWIP_ICMP                       1
#define LWIP_BROADCAST_PING             0
#define LWIP_MULTICAST_PING             0
#define LWIP_RAW                        0
#define LWIP_UDP                        0
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
#define LWIP_IGMP                       0
#define LWIP_DNS                        0

/* ---- TCP ---- */
#define LWIP_TCP                        1
#define TCP_MSS                         1460
#define TCP_WND                         (8 * TCP_MSS)
#define TCP_SND_BUF                     (8 * TCP_MSS)
#define TCP_SND_QUEUELEN                (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_PBUFS             4
#define TCP_OOSEQ_MAX_BYTES             (4 * TCP_MSS)
#define LWIP_TCP_SACK_OUT               0
#define TCP_LISTEN_BACKLOG              0
#define LWIP_TCP_KEEPALIVE              0
#define LWIP_TCP_TIMESTAMPS             0
#define LWIP_WND_SCALE                  0
#define LWIP_CALLBACK_API               1
#define LWIP_EVENT_API                  0
#define LWIP_ALTCP                      0

/* ---- APIs ---- */
#define LWIP_NETCONN                    0
#define LWIP_SOCKET                     0
#define LWIP_COMPAT_SOCKETS             0
#define LWIP_POSIX_SOCKETS_IO_NAMES     0

/* ---- statistics (lwIP's counters; read by the benchmark) ---- */
#define LWIP_STATS                      1
#define LWIP_STATS_DISPLAY              0

/* ---- hooks (fw_lwip_hooks.h) ---- */
#define LWIP_HOOK_FILENAME              "fw_lwip_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
	fw_lwip_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))

#endif
