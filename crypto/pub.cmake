# crypto/pub: the CRL writer (RFC 6487 section 5), the manifest writer
# (RFC 9286), the publication point (atomic snapshots on disk) and
# pub_publish(), which puts the three together.
add_library(crypto_pub STATIC
	${CMAKE_CURRENT_LIST_DIR}/crl.c
	${CMAKE_CURRENT_LIST_DIR}/mft.c
	${CMAKE_CURRENT_LIST_DIR}/pubpoint.c
	${CMAKE_CURRENT_LIST_DIR}/pubpoint_publish.c)
target_include_directories(crypto_pub PUBLIC ${CRYPTO_INCLUDE})
target_link_libraries(crypto_pub PUBLIC crypto_cert crypto_signer proto_cms proto_res
	mbedx509 mbedcrypto)
