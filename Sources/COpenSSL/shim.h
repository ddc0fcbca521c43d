// The slice of OpenSSL's libcrypto (3.x) that FlowLedger uses, plus a few inline helpers for
// calls that take OSSL_PARAM arrays or C callbacks, which are awkward to build from Swift.
#ifndef FLOWLEDGER_COPENSSL_SHIM_H
#define FLOWLEDGER_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <string.h>

/// A PEM passphrase callback that always refuses, so an encrypted key fails with an error
/// instead of OpenSSL prompting on the terminal.
static inline int flowledger_refuse_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

/// Reads one private key from PEM bytes; NULL (with the OpenSSL error queue set) on failure.
static inline EVP_PKEY *flowledger_read_private_key_pem(const void *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, flowledger_refuse_passphrase, NULL);
    BIO_free(bio);
    return key;
}

/// Writes a private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") into `out`
/// (capacity `capacity`); returns the length written, or -1 on failure or if it does not fit.
static inline int flowledger_write_private_key_pem(EVP_PKEY *key, char *out, int capacity) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return -1;
    int ok = PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    int result = -1;
    if (ok == 1) {
        char *data = NULL;
        long length = BIO_get_mem_data(bio, &data);
        if (length >= 0 && length <= capacity) {
            memcpy(out, data, (size_t)length);
            result = (int)length;
        }
    }
    BIO_free(bio);
    return result;
}

/// Builds an SM2 public key from its uncompressed point (04 || X || Y); OpenSSL checks that the
/// point is on the curve. NULL on failure.
static inline EVP_PKEY *flowledger_sm2_public_key(const unsigned char *point, size_t length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx == NULL) return NULL;
    EVP_PKEY *key = NULL;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, length);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/// Starts an SM2-with-SM3 signing (sign != 0) or verifying operation on `md` with the
/// distinguishing id `id` (GB/T 32918; the default id is "1234567812345678").
/// The id is set after initialisation: OpenSSL 3.0 refuses it as an init parameter, because
/// it only enables the Z-digest computation (which consumes the id) during init.
static inline int flowledger_sm2_digest_init(EVP_MD_CTX *md, EVP_PKEY *key, const char *id, int sign) {
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(md, &pctx, "SM3", NULL, NULL, key, NULL)
                  : EVP_DigestVerifyInit_ex(md, &pctx, "SM3", NULL, NULL, key, NULL);
    if (ok != 1 || pctx == NULL) return 0;
    return EVP_PKEY_CTX_set1_id(pctx, id, (int)strlen(id));
}

#endif
