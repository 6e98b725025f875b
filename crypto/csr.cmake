# Checking a child's PKCS#10 request (RFC 6487 section 6, RFC 7935): DER
# walk with mbed TLS asn1parse, URI hygiene, proof of possession.
add_library(crypto_csr STATIC
	${CMAKE_CURRENT_LIST_DIR}/csr.c
	${CMAKE_CURRENT_LIST_DIR}/csr_uri.c)
target_include_directories(crypto_csr PUBLIC ${CRYPTO_INCLUDE})
target_link_libraries(crypto_csr PUBLIC mbedcrypto)
