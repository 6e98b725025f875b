# firmware/engine: the issuer engine. RFC 6492 requests (proto_cms,
# proto_updown), CSR checks and certificates (crypto_csr, crypto_cert),
# CRL, manifest and publication point (crypto_pub), allocation tables
# (proto_alloc), RFC 8183 handles and TAs (proto_oob), state (fw_store).
find_package(Threads REQUIRED)
add_library(fw_engine STATIC
	${CMAKE_CURRENT_LIST_DIR}/engine.c
	${CMAKE_CURRENT_LIST_DIR}/engine_batch.c
	${CMAKE_CURRENT_LIST_DIR}/engine_handle.c
	${CMAKE_CURRENT_LIST_DIR}/engine_log.c
	${CMAKE_CURRENT_LIST_DIR}/engine_reconcile.c)
target_include_directories(fw_engine PUBLIC ${FIRMWARE_INCLUDE}
	PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fw_engine PUBLIC fw_store crypto_pub crypto_cert crypto_csr crypto_verify
	crypto_signer proto_alloc proto_oob proto_updown proto_cms proto_xlog proto_res
	mbedx509 mbedcrypto Threads::Threads)
