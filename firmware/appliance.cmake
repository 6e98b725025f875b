# firmware/appliance: the wiring (configuration, HSM, store, engine, HTTP
# servers, provisioning endpoint, reconciliation timer) as library
# fw_appliance, and the posix board's program updown-appliance.
include(${CMAKE_CURRENT_LIST_DIR}/lwip.cmake)
find_package(Threads REQUIRED)
add_library(fw_appliance STATIC
	${CMAKE_CURRENT_LIST_DIR}/appliance.c
	${CMAKE_CURRENT_LIST_DIR}/appliance_prov.c
	${CMAKE_CURRENT_LIST_DIR}/appliance_serve.c)
target_include_directories(fw_appliance PUBLIC ${FIRMWARE_INCLUDE}
	PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fw_appliance PUBLIC hal fw_engine fw_http fw_store proto_conf
	proto_bundle proto_alloc proto_oob proto_res crypto_cert crypto_signer
	mbedx509 mbedcrypto Threads::Threads)

# The posix board's program (board_posix is defined after firmware/: CMake
# resolves the name at generation time).
add_executable(updown-appliance ${CMAKE_CURRENT_LIST_DIR}/main_posix.c
	${CMAKE_CURRENT_LIST_DIR}/main_util.c)
target_link_libraries(updown-appliance PRIVATE fw_appliance board_posix)

# The qemu board's program updown-appliance-qemu: /firmware in the VM image
# (board/qemu/build-image --firmware; docs/qemu-board.md).
add_executable(updown-appliance-qemu ${CMAKE_CURRENT_LIST_DIR}/main_qemu.c
	${CMAKE_CURRENT_LIST_DIR}/main_util.c)
target_link_libraries(updown-appliance-qemu PRIVATE fw_appliance board_qemu)
