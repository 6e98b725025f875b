/*
 * board/posix: lwIP on a Linux TAP device (the hal_net backend).
 *
 * A netif driver written against lwIP's netif API: linkoutput copies the
 * outgoing frame and writes it to the TAP file descriptor; a receive thread
 * reads frames into PBUF_POOL pbufs and hands them to netif->input
 * (tcpip_input, which takes the core lock: LWIP_TCPIP_CORE_LOCKING_INPUT).
 * Ethernet framing, ARP and IP are lwIP's (etharp_output). The TAP device
 * is opened with IFF_TAP | IFF_NO_PI: plain Ethernet frames, no packet
 * information header. The kernel does no GSO/GRO towards a TAP without
 * IFF_VNET_HDR, so frames are at most MTU + 14 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "fw_lwip.h"
#include "posix_int.h"

/* Largest frame: 1500-byte MTU + Ethernet header + a VLAN tag to spare. */
#define TAP_FRAME_MAX 1522

/* fw_lwip_txq's write: one frame to the device, after the core lock is released. */
static int
tap_write(void *ctx, const unsigned char *frame, size_t len)
{
	struct tap_if *t = ctx;
	ssize_t n;

	do
		n = write(t->fd, frame, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		/* The kernel side is gone or its queue is full: TCP retransmits. */
		t->tx_drop++;
		return -1;
	}
	t->tx_frames++;
	return 0;
}

/* The queue refuses frames over TAP_FRAME_MAX (ERR_BUF, a link drop). */
static err_t
tap_linkoutput(struct netif *netif, struct pbuf *p)
{
	return fw_lwip_txq_output(((struct tap_if *)netif->state)->txq, p);
}

static err_t
tap_netif_init(struct netif *netif)
{
	struct tap_if *t = netif->state;

	netif->name[0] = 't';
	netif->name[1] = 'p';
	netif->output = etharp_output;
	netif->linkoutput = tap_linkoutput;
	netif->mtu = t->cur.mtu != 0 ? t->cur.mtu : 1500;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, t->cur.mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

/* The receive thread: frames from the TAP device into lwIP. */
static void *
tap_rx(void *arg)
{
	struct tap_if *t = arg;
	unsigned char buf[TAP_FRAME_MAX + 1];
	struct pollfd pf[2];
	sigset_t all;
	ssize_t n;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		pf[0].fd = t->fd;
		pf[0].events = POLLIN;
		pf[1].fd = t->wake[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			hal_logf(t->log, HAL_LOG_ERR, "tap %s: poll: %s", t->name, strerror(errno));
			break;
		}
		if (pf[1].revents != 0)
			break;
		if (pf[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			hal_logf(t->log, HAL_LOG_ERR, "tap %s: device error (revents 0x%x)",
			    t->name, (unsigned)pf[0].revents);
			break;
		}
		n = read(t->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			hal_logf(t->log, HAL_LOG_ERR, "tap %s: read: %s", t->name, strerror(errno));
			break;
		}
		if (n < SIZEOF_ETH_HDR || n > TAP_FRAME_MAX) {
			t->rx_drop++;
			continue;
		}
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
		if (p == NULL) {
			/* Pool exhausted: drop; TCP retransmits. */
			t->rx_drop++;
			continue;
		}
		if (pbuf_take(p, buf, (u16_t)n) != ERR_OK ||
		    t->netif.input(p, &t->netif) != ERR_OK) {
			pbuf_free(p);
			t->rx_drop++;
			continue;
		}
		t->rx_frames++;
	}
	return NULL;
}

static int
tap_open(struct tap_if *t)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
		hal_logf(t->log, HAL_LOG_ERR, "tap: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, t->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		hal_logf(t->log, HAL_LOG_ERR, "tap %s: TUNSETIFF: %s", t->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool
mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

/* hal_net up(): see hal/net.h. */
static int
tap_up(void *state, const struct hal_net_addr *want)
{
	struct tap_if *t = state;
	ip4_addr_t ip, mask, gw;
	int rc = HAL_ERR_IO;

	if (t->up)
		return HAL_ERR_STATE;
	t->cur = want != NULL ? *want : t->conf;
	if (mac_is_zero(t->cur.mac)) {
		/* A random locally administered unicast MAC. */
		if (hal_entropy_rng((void *)t->entropy, t->cur.mac, 6) != 0)
			return HAL_ERR_IO;
		t->cur.mac[0] = (uint8_t)((t->cur.mac[0] & 0xfe) | 0x02);
	}
	if (t->cur.mtu == 0)
		t->cur.mtu = 1500;
	if (t->cur.mtu < 576 || t->cur.mtu > 1500)
		return HAL_ERR_ARG;
	t->wake[0] = t->wake[1] = -1;
	if ((t->fd = tap_open(t)) < 0)
		return HAL_ERR_IO;
	if (pipe(t->wake) != 0)
		goto fail;
	if (fw_lwip_txq_new(TAP_FRAME_MAX, tap_write, t, &t->txq) != 0)
		goto fail;
	fcntl(t->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(t->wake[1], F_SETFD, FD_CLOEXEC);
	IP4_ADDR(&ip, t->cur.addr[0], t->cur.addr[1], t->cur.addr[2], t->cur.addr[3]);
	IP4_ADDR(&mask, t->cur.netmask[0], t->cur.netmask[1], t->cur.netmask[2], t->cur.netmask[3]);
	IP4_ADDR(&gw, t->cur.gw[0], t->cur.gw[1], t->cur.gw[2], t->cur.gw[3]);
	LOCK_TCPIP_CORE();
	if (netif_add(&t->netif, &ip, &mask, &gw, t, tap_netif_init, tcpip_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		goto fail;
	}
	netif_set_default(&t->netif);
	netif_set_up(&t->netif);
	netif_set_link_up(&t->netif);  /* sends a gratuitous ARP */
	UNLOCK_TCPIP_CORE();
	if (pthread_create(&t->rx, NULL, tap_rx, t) != 0) {
		LOCK_TCPIP_CORE();
		netif_set_down(&t->netif);
		netif_remove(&t->netif);
		UNLOCK_TCPIP_CORE();
		goto fail;
	}
	t->up = true;
	hal_logf(t->log, HAL_LOG_INFO,
	    "net: %s up, %u.%u.%u.%u netmask %u.%u.%u.%u gw %u.%u.%u.%u mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u",
	    t->name, t->cur.addr[0], t->cur.addr[1], t->cur.addr[2], t->cur.addr[3],
	    t->cur.netmask[0], t->cur.netmask[1], t->cur.netmask[2], t->cur.netmask[3],
	    t->cur.gw[0], t->cur.gw[1], t->cur.gw[2], t->cur.gw[3],
	    t->cur.mac[0], t->cur.mac[1], t->cur.mac[2], t->cur.mac[3], t->cur.mac[4],
	    t->cur.mac[5], (unsigned)t->cur.mtu);
	return 0;
fail:
	fw_lwip_txq_free(t->txq);
	t->txq = NULL;
	if (t->wake[0] >= 0) {
		close(t->wake[0]);
		close(t->wake[1]);
	}
	close(t->fd);
	t->fd = -1;
	return rc;
}

/* hal_net addr(): see hal/net.h. */
static int
tap_addr(void *state, struct hal_net_addr *out)
{
	struct tap_if *t = state;

	if (out == NULL)
		return HAL_ERR_ARG;
	*out = t->up ? t->cur : t->conf;
	return 0;
}

/* hal_net down(): see hal/net.h. */
static void
tap_down(void *state)
{
	struct tap_if *t = state;
	char c = 0;

	if (!t->up)
		return;
	while (write(t->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(t->rx, NULL);
	LOCK_TCPIP_CORE();
	netif_set_link_down(&t->netif);
	netif_set_down(&t->netif);
	netif_remove(&t->netif);
	UNLOCK_TCPIP_CORE();
	fw_lwip_txq_free(t->txq);   /* what the stack sent last leaves before the device closes */
	t->txq = NULL;
	close(t->wake[0]);
	close(t->wake[1]);
	close(t->fd);
	t->fd = -1;
	t->up = false;
	hal_logf(t->log, HAL_LOG_INFO, "net: %s down (rx %lu frames, %lu dropped; tx %lu, %lu dropped)",
	    t->name, t->rx_frames, t->rx_drop, t->tx_frames, t->tx_drop);
}

const struct hal_net_ops board_posix_tap_ops = {
	.up = tap_up,
	.addr = tap_addr,
	.down = tap_down,
};

/* board_posix_tap_init: see posix_int.h. */
void
board_posix_tap_init(struct tap_if *t, const char *name, const struct hal_net_addr *conf,
    const struct hal_entropy *entropy, const struct hal_log *log)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->conf = *conf;
	t->entropy = entropy;
	t->log = log;
	t->fd = -1;
	t->wake[0] = t->wake[1] = -1;
}
