# firmware/lwip: lwIP 2.1.3 compiled from source (third_party/lwip, unpacked
# from Debian's `lwip` source package by scripts/setup.sh) with the
# firmware's own options (firmware/lwip/lwipopts.h) and port (arch/, sys_arch
# on pthreads, fw_lwip.c). Only the parts the appliance uses are compiled:
# IPv4, TCP, ARP, ICMP, Ethernet, the tcpip thread. Static library fw_lwip.
if(TARGET fw_lwip)
	return()
endif()

set(LWIP_DIR ${CMAKE_SOURCE_DIR}/third_party/lwip)
if(NOT EXISTS ${LWIP_DIR}/src/core/tcp.c)
	message(FATAL_ERROR "lwIP sources are missing (${LWIP_DIR}/src/core/tcp.c): "
		"run scripts/setup.sh, which unpacks Debian's lwip source package into third_party/lwip")
endif()
file(STRINGS ${LWIP_DIR}/src/include/lwip/init.h _lwip_ver
	REGEX "^#define LWIP_VERSION_(MAJOR|MINOR|REVISION) ")
string(REGEX REPLACE "[^0-9;]" "" _lwip_ver "${_lwip_ver}")
if(NOT _lwip_ver STREQUAL "2;1;3")
	message(FATAL_ERROR "lwIP 2.1.3 is required in ${LWIP_DIR}, found ${_lwip_ver}: re-run scripts/setup.sh")
endif()

find_package(Threads REQUIRED)
set(FW_LWIP_PORT ${CMAKE_CURRENT_LIST_DIR}/lwip)
add_library(fw_lwip STATIC
	${LWIP_DIR}/src/core/init.c
	${LWIP_DIR}/src/core/def.c
	${LWIP_DIR}/src/core/inet_chksum.c
	${LWIP_DIR}/src/core/ip.c
	${LWIP_DIR}/src/core/mem.c
	${LWIP_DIR}/src/core/memp.c
	${LWIP_DIR}/src/core/netif.c
	${LWIP_DIR}/src/core/pbuf.c
	${LWIP_DIR}/src/core/stats.c
	${LWIP_DIR}/src/core/sys.c
	${LWIP_DIR}/src/core/tcp.c
	${LWIP_DIR}/src/core/tcp_in.c
	${LWIP_DIR}/src/core/tcp_out.c
	${LWIP_DIR}/src/core/timeouts.c
	${LWIP_DIR}/src/core/ipv4/etharp.c
	${LWIP_DIR}/src/core/ipv4/icmp.c
	${LWIP_DIR}/src/core/ipv4/ip4.c
	${LWIP_DIR}/src/core/ipv4/ip4_addr.c
	${LWIP_DIR}/src/api/err.c
	${LWIP_DIR}/src/api/tcpip.c
	${LWIP_DIR}/src/netif/ethernet.c
	${FW_LWIP_PORT}/sys_arch.c
	${FW_LWIP_PORT}/fw_lwip.c
	${FW_LWIP_PORT}/fw_lwip_txq.c)
target_include_directories(fw_lwip SYSTEM PUBLIC ${LWIP_DIR}/src/include)
target_include_directories(fw_lwip PUBLIC ${FW_LWIP_PORT})
target_link_libraries(fw_lwip PUBLIC hal Threads::Threads PRIVATE mbedcrypto)
if(UPDOWN_SANITIZE)
	# ASan cannot see inside lwIP's static pools: turn on lwIP's own checks.
	target_compile_definitions(fw_lwip PUBLIC FW_LWIP_DEBUG_CHECKS)
endif()
