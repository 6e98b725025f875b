# crypto_signer: the signer interface (crypto/include/crypto/signer.h) with
# its PKCS#11 backend (any module by path, tokens and keys named by RFC 7512
# URIs parsed by p11-kit) and its software backend (mbed TLS, tests only).
find_package(Threads REQUIRED)
add_library(crypto_signer STATIC
	${CMAKE_CURRENT_SOURCE_DIR}/signer.c
	${CMAKE_CURRENT_SOURCE_DIR}/signer_p11.c
	${CMAKE_CURRENT_SOURCE_DIR}/signer_sw.c)
target_include_directories(crypto_signer PUBLIC ${CRYPTO_INCLUDE}
	PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(crypto_signer
	PUBLIC mbedx509 mbedcrypto
	PRIVATE PkgConfig::P11KIT ${CMAKE_DL_LIBS} Threads::Threads)
