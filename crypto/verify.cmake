# crypto_verify: RSA PKCS#1 v1.5 signature checks and SHA-256 on OpenSSL's
# libcrypto for the request path (crypto/include/crypto/verify.h).
find_package(Threads REQUIRED)
add_library(crypto_verify STATIC ${CMAKE_CURRENT_SOURCE_DIR}/verify.c)
target_include_directories(crypto_verify PUBLIC ${CRYPTO_INCLUDE})
target_link_libraries(crypto_verify
	PUBLIC proto_cms mbedcrypto
	PRIVATE PkgConfig::LIBCRYPTO Threads::Threads)
