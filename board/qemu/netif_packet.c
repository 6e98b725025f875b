/*
 * board/qemu: lwIP on the VM's NIC through an AF_PACKET socket (the
 * hal_net backend).
 *
 * A netif driver written against lwIP's netif API. The kernel keeps the NIC
 * (virtio-net) up but holds no address on it and has IPv6 disabled (/init),
 * so it answers nothing; lwIP is the only IP stack on the wire. The driver:
 *   - opens socket(AF_PACKET, SOCK_RAW) bound to the NIC's ifindex for
 *     ETH_P_ALL, with PACKET_IGNORE_OUTGOING (our own frames do not come
 *     back), and takes the NIC's MAC (SIOCGIFHWADDR) and MTU, so the NIC's
 *     filter passes our unicast frames without promiscuous mode;
 *   - turns GRO off (SIOCETHTOOL ETHTOOL_SGRO): the kernel would otherwise
 *     merge TCP segments before the packet tap and hand lwIP frames larger
 *     than any MTU (a 4 MiB upload stalled in the prototype);
 *   - linkoutput queues a copy of the outgoing frame (fw_lwip_txq), which
 *     is padded to the 60-byte Ethernet minimum and send()s once the core
 *     lock is released; lwIP's etharp_output does ARP and framing;
 *   - a receive thread recvfrom()s frames addressed to us (host, broadcast,
 *     multicast), copies each into a PBUF_POOL pbuf and hands it to
 *     netif->input (tcpip_input, which takes the core lock:
 *     LWIP_TCPIP_CORE_LOCKING_INPUT);
 *   - at link-up lwIP sends a gratuitous ARP, which also releases the SYNs
 *     QEMU's slirp has queued while the guest was booting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "fw_lwip.h"
#include "qemu_int.h"

/* Ethernet's minimum frame without the FCS: shorter frames are padded. */
#define PACKET_FRAME_MIN 60
/* Socket receive buffer: room for bursts while lwIP is busy. */
#define PACKET_RCVBUF (1024 * 1024)

/* fw_lwip_txq's write: one frame to the NIC, after the core lock is released. */
static int
packet_write(void *ctx, const unsigned char *frame, size_t len)
{
	struct packet_if *pi = ctx;
	unsigned char pad[PACKET_FRAME_MIN];
	ssize_t n;

	if (len < PACKET_FRAME_MIN) {
		memcpy(pad, frame, len);
		memset(pad + len, 0, PACKET_FRAME_MIN - len);
		frame = pad;
		len = PACKET_FRAME_MIN;
	}
	do
		n = send(pi->fd, frame, len, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		/* Queue full or NIC gone: drop, TCP retransmits. */
		pi->tx_drop++;
		return -1;
	}
	pi->tx_frames++;
	return 0;
}

/* The queue refuses frames over PACKET_FRAME_MAX (ERR_BUF, a link drop). */
static err_t
packet_linkoutput(struct netif *netif, struct pbuf *p)
{
	return fw_lwip_txq_output(((struct packet_if *)netif->state)->txq, p);
}

static err_t
packet_netif_init(struct netif *netif)
{
	struct packet_if *pi = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->linkoutput = packet_linkoutput;
	netif->mtu = pi->cur.mtu;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, pi->cur.mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

/* The receive thread: frames from the NIC into lwIP. */
static void *
packet_rx(void *arg)
{
	struct packet_if *pi = arg;
	unsigned char buf[PACKET_FRAME_MAX];
	struct sockaddr_ll from;
	socklen_t fromlen;
	struct pollfd pf[2];
	sigset_t all;
	ssize_t n;
	bool warned_big = false;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		pf[0].fd = pi->fd;
		pf[0].events = POLLIN;
		pf[1].fd = pi->wake[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			hal_logf(pi->log, HAL_LOG_ERR, "net %s: poll: %s", pi->name, strerror(errno));
			break;
		}
		if (pf[1].revents != 0)
			break;
		if (pf[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			hal_logf(pi->log, HAL_LOG_ERR, "net %s: socket error (revents 0x%x)",
			    pi->name, (unsigned)pf[0].revents);
			break;
		}
		fromlen = sizeof(from);
		/* MSG_TRUNC: n is the frame's real length, even if it did not fit. */
		n = recvfrom(pi->fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			hal_logf(pi->log, HAL_LOG_ERR, "net %s: recvfrom: %s", pi->name,
			    strerror(errno));
			break;
		}
		switch (from.sll_pkttype) {
		case PACKET_HOST:
		case PACKET_BROADCAST:
		case PACKET_MULTICAST:
			break;
		default:
			/* Another host's unicast, or our own frame looped back. */
			pi->rx_drop++;
			continue;
		}
		if (n > (ssize_t)sizeof(buf)) {
			pi->rx_big++;
			if (!warned_big) {
				hal_logf(pi->log, HAL_LOG_WARN,
				    "net %s: dropping a %zd-byte frame (GRO still on?)", pi->name, n);
				warned_big = true;
			}
			continue;
		}
		if (n < SIZEOF_ETH_HDR) {
			pi->rx_drop++;
			continue;
		}
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
		if (p == NULL) {
			/* Pool exhausted: drop; TCP retransmits. */
			pi->rx_drop++;
			continue;
		}
		if (pbuf_take(p, buf, (u16_t)n) != ERR_OK ||
		    pi->netif.input(p, &pi->netif) != ERR_OK) {
			/* On failure input() has not taken p: it is still ours. */
			pbuf_free(p);
			pi->rx_drop++;
			continue;
		}
		pi->rx_frames++;
	}
	return NULL;
}

/*
 * Open the AF_PACKET socket on the NIC: read its MAC and MTU into *mac and
 * *mtu, make sure it is up, turn GRO off, bind. Returns the socket or -1
 * (logged).
 */
static int
packet_open(struct packet_if *pi, uint8_t mac[6], unsigned *mtu)
{
	struct sockaddr_ll sll;
	struct ethtool_value ev;
	struct ifreq ifr;
	int fd, one = 1, rcvbuf = PACKET_RCVBUF, ifindex;

	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: socket(AF_PACKET): %s", pi->name,
		    strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, pi->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: no such interface: %s", pi->name,
		    strerror(errno));
		goto fail;
	}
	ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: not an Ethernet interface", pi->name);
		goto fail;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: SIOCGIFMTU: %s", pi->name, strerror(errno));
		goto fail;
	}
	*mtu = (unsigned)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: SIOCGIFFLAGS: %s", pi->name, strerror(errno));
		goto fail;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		/* /init brings it up; do it here too for other layouts. */
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
			hal_logf(pi->log, HAL_LOG_ERR, "net %s: cannot bring it up: %s", pi->name,
			    strerror(errno));
			goto fail;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_SGRO;
	ev.data = 0;
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		hal_logf(pi->log, HAL_LOG_WARN, "net %s: cannot turn GRO off (%s): merged frames "
		    "will be dropped", pi->name, strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: PACKET_IGNORE_OUTGOING: %s", pi->name,
		    strerror(errno));
		goto fail;
	}
	/* Best effort: the default buffer also works, with more drops in bursts. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: bind: %s", pi->name, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static bool
mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

/* hal_net up(): see hal/net.h. */
static int
packet_up(void *state, const struct hal_net_addr *want)
{
	struct packet_if *pi = state;
	ip4_addr_t ip, mask, gw;
	uint8_t nic_mac[6];
	unsigned nic_mtu = 0;
	int rc = HAL_ERR_IO;

	if (pi->up)
		return HAL_ERR_STATE;
	pi->cur = want != NULL ? *want : pi->conf;
	pi->wake[0] = pi->wake[1] = -1;
	if ((pi->fd = packet_open(pi, nic_mac, &nic_mtu)) < 0)
		return HAL_ERR_IO;
	if (mac_is_zero(pi->cur.mac)) {
		memcpy(pi->cur.mac, nic_mac, 6);
	} else if (memcmp(pi->cur.mac, nic_mac, 6) != 0) {
		/* Another MAC would need promiscuous mode: set QEMU's -device mac= instead. */
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: the MAC must be the NIC's "
		    "(%02x:%02x:%02x:%02x:%02x:%02x)", pi->name, nic_mac[0], nic_mac[1],
		    nic_mac[2], nic_mac[3], nic_mac[4], nic_mac[5]);
		rc = HAL_ERR_NOTSUP;
		goto fail;
	}
	if (nic_mtu > 1500)
		nic_mtu = 1500;
	if (pi->cur.mtu == 0)
		pi->cur.mtu = (uint16_t)nic_mtu;
	if (pi->cur.mtu < 576 || pi->cur.mtu > nic_mtu) {
		hal_logf(pi->log, HAL_LOG_ERR, "net %s: MTU %u outside 576..%u", pi->name,
		    (unsigned)pi->cur.mtu, nic_mtu);
		rc = HAL_ERR_ARG;
		goto fail;
	}
	if (pipe(pi->wake) != 0) {
		pi->wake[0] = pi->wake[1] = -1;
		goto fail;
	}
	(void)fcntl(pi->wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(pi->wake[1], F_SETFD, FD_CLOEXEC);
	if (fw_lwip_txq_new(PACKET_FRAME_MAX, packet_write, pi, &pi->txq) != 0)
		goto fail;
	IP4_ADDR(&ip, pi->cur.addr[0], pi->cur.addr[1], pi->cur.addr[2], pi->cur.addr[3]);
	IP4_ADDR(&mask, pi->cur.netmask[0], pi->cur.netmask[1], pi->cur.netmask[2],
	    pi->cur.netmask[3]);
	IP4_ADDR(&gw, pi->cur.gw[0], pi->cur.gw[1], pi->cur.gw[2], pi->cur.gw[3]);
	LOCK_TCPIP_CORE();
	if (netif_add(&pi->netif, &ip, &mask, &gw, pi, packet_netif_init, tcpip_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		goto fail;
	}
	netif_set_default(&pi->netif);
	netif_set_up(&pi->netif);
	netif_set_link_up(&pi->netif);  /* sends a gratuitous ARP */
	UNLOCK_TCPIP_CORE();
	if (pthread_create(&pi->rx, NULL, packet_rx, pi) != 0) {
		LOCK_TCPIP_CORE();
		netif_set_down(&pi->netif);
		netif_remove(&pi->netif);
		UNLOCK_TCPIP_CORE();
		goto fail;
	}
	pi->up = true;
	hal_logf(pi->log, HAL_LOG_INFO,
	    "net: %s up (lwIP on AF_PACKET), %u.%u.%u.%u netmask %u.%u.%u.%u gw %u.%u.%u.%u "
	    "mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u",
	    pi->name, pi->cur.addr[0], pi->cur.addr[1], pi->cur.addr[2], pi->cur.addr[3],
	    pi->cur.netmask[0], pi->cur.netmask[1], pi->cur.netmask[2], pi->cur.netmask[3],
	    pi->cur.gw[0], pi->cur.gw[1], pi->cur.gw[2], pi->cur.gw[3],
	    pi->cur.mac[0], pi->cur.mac[1], pi->cur.mac[2], pi->cur.mac[3], pi->cur.mac[4],
	    pi->cur.mac[5], (unsigned)pi->cur.mtu);
	return 0;
fail:
	fw_lwip_txq_free(pi->txq);
	pi->txq = NULL;
	if (pi->wake[0] >= 0) {
		close(pi->wake[0]);
		close(pi->wake[1]);
		pi->wake[0] = pi->wake[1] = -1;
	}
	close(pi->fd);
	pi->fd = -1;
	return rc;
}

/* hal_net addr(): see hal/net.h. */
static int
packet_addr(void *state, struct hal_net_addr *out)
{
	struct packet_if *pi = state;

	if (out == NULL)
		return HAL_ERR_ARG;
	*out = pi->up ? pi->cur : pi->conf;
	return 0;
}

/* hal_net down(): see hal/net.h. */
static void
packet_down(void *state)
{
	struct packet_if *pi = state;
	char c = 0;

	if (!pi->up)
		return;
	while (write(pi->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(pi->rx, NULL);
	LOCK_TCPIP_CORE();
	netif_set_link_down(&pi->netif);
	netif_set_down(&pi->netif);
	netif_remove(&pi->netif);
	UNLOCK_TCPIP_CORE();
	fw_lwip_txq_free(pi->txq);   /* what the stack sent last leaves before the NIC closes */
	pi->txq = NULL;
	close(pi->wake[0]);
	close(pi->wake[1]);
	close(pi->fd);
	pi->wake[0] = pi->wake[1] = pi->fd = -1;
	pi->up = false;
	hal_logf(pi->log, HAL_LOG_INFO,
	    "net: %s down (rx %lu frames, %lu dropped, %lu oversized; tx %lu, %lu dropped)",
	    pi->name, pi->rx_frames, pi->rx_drop, pi->rx_big, pi->tx_frames, pi->tx_drop);
}

const struct hal_net_ops board_qemu_packet_ops = {
	.up = packet_up,
	.addr = packet_addr,
	.down = packet_down,
};

/* board_qemu_packet_init: see qemu_int.h. */
void
board_qemu_packet_init(struct packet_if *pi, const char *name, const struct hal_net_addr *conf,
    const struct hal_log *log)
{
	memset(pi, 0, sizeof(*pi));
	snprintf(pi->name, sizeof(pi->name), "%s", name);
	pi->conf = *conf;
	pi->log = log;
	pi->fd = -1;
	pi->wake[0] = pi->wake[1] = -1;
}
