//! Fixed RSA test keys, so tests and examples need not generate keys.
//!
//! **Never use these outside tests**: their private halves are published here.
//! They were generated once for this crate (RSA-2048, e = 65537).

use std::sync::{Arc, OnceLock};

use crate::{Jwk, RsaPrivateKey};

const RSA_2048_A: &str = r#"{"kty":"RSA","n":"s6FfmmphmJ66Mue0IY3QK1D7mHuaju3UogSNuRDvAyImWOzlN-IrOgZ1At_q4p27LLp3DlgiqxgjsPUfqwJ35hDMsxZ9xkM_0tO7v99ykg7NCIz1BxfN64Uw60DGB6pcsmWBj4N9ga9ImcqyAjNfWVV7JFy7xIM_HqT0Lv31-QXb8Xg6za5hknWwtcqBXHHoYtdUBVNRkEjFUPwycxsPrgNidSTqeJHHu8EwokSZbZtqC3ureB0mvvESHaiEnNEMy_k6Oa1FDzHi9-4cNfKai1Y7VDyu0n-4-BAjV9nOvkfFMcOSOI3K7eLSJjLm6ESv52a3N1_v02UT80vDxnO0ZQ","e":"AQAB","d":"CJ4rMC_UCyvrop8-I5v3oD8MNbERuwi1pP497w0ybP6O7hY-Gv5qn300Jj_9jK4Pjvef2EbUhvaAroUxZerCO33pLDBd4WH-5mD1HCFJZbDNwmVs01B04cyWimV6-rQq1VOMXIkXlN4GyCYS1eCGvbTy_vgZ-WATP6efSr_cCfyFVj68gf9vRff37S8WnS0c-akme771fvWiFlYDJqbeKFQDfCiKcZi_QTjJVUubIvXY5uxhxtgIBCbo0JNEJkqLZAS4ZarQWKZfEHfxdzOzTKOWTsN839moru_isTs6KiSnGey_8-UzdSmzpxpHDXHwEFbEMOSF9ViDJd5phumOAw","p":"-OK6nMSaCSCwbuNn-mvBO0B5KD_BvcMgod2CX6FWeroZQhxi9Mge3wjnjLqEw7Pnrkr87zxgjIFMa5sR908INvIZfa2m5XtGjyS_itOtNOSIaJJzazxBt5rIa59xEhRg1fYwmCR98S_zVGbcgV8YzTcuxCAB-J-5ZL-pub9mdds","q":"uMPa2pflW3cAooYGUjZeIW9TxzLW_vGp1nTyaJRLNnmwMn1QO-PIWEnCihoSfvPn06B5QA_kzvyGuybHneHALSfvCXG_454skZGAgnHnZZjIIM-QG-vMiv-EyUHJLLIIKU5y3czObW-7SdgYU_HFRIUUVtUIUsGkuTLvnUcHMr8","dp":"JvW_BplUD4e5drJMbYv-pJrUHHPWjTEFY7E8HmIwGmgVWh79cpn9EybesE3mSIhaBROiAoUuC_CVmOaealtJyugdC2pqjNO-WNwEy-OU4om_vLboMGovU2F8bDR6S70652Nxee-Ec4PxEE5FyE6toDo6LONhy5ydNeM222fVzy8","dq":"rmMtDWSQdeO8FamqDa6C6cvJpxm1EqvFQUTgBxTwaFoyk3TzZZN4ZNw5YV96VZigFn4_8tcNfs-Z2sqfXcTVPcmTM7bJBm0kY8CRKo2XeazaNx2xRqkoRYkmK06MMkNWsKX6hJ3puCDdBLWRQKnRJvr0V4B6eqGKd8I7ppaDlME","qi":"htjJ8cu_IV_b56-cddnyNdqGvMy6VAf8ioyz7XcbHkZJqI2zRhltTUv1Kwegd0HB-mXklIB8aK25igxIave0ZtvAoRlXdPuQqq9GPKRQX8puvYdM8fE3JSaJtG0hbnPvSRbnzymjNJlwCWQBoJhuzgMcX5ssHLReacK3cnM14b4"}"#;

/// Test key A (RSA-2048), parsed once per process.
pub fn rsa_2048_a() -> Arc<RsaPrivateKey> {
    static KEY: OnceLock<Arc<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| parse(RSA_2048_A)).clone()
}

const RSA_2048_B: &str = r#"{"kty":"RSA","n":"q3LmHNIQxcw4AUFhdAUbH2nDKAkM1V72Ah_m7IH0VBOhl0nK9N_izrLf332Al_ds6Y-uZ8Hzck9rDGd6J_pcH11lLXS7lww7AK91I65vL1T0x_4HJELhubiWI54_LSG0Sebt5Lwm5H4wqKkLhLlzO9T-5gH7Ex7DKx-hXU56DPzbiSXNFT97hWCacmbPbBHscySzJakXXXptmK5TYU-nBn6yZkPPp6aa8goru_mNXmyy8Ced2rQlP_ALN9xmQKKOwd0xq-QNKulZ1pyDamSsSh27HyQhYmacMx7bY61BF3ajC9fmfKoh3t1XdtfaSf72PQ8YevnpaqGEIv1cramBMw","e":"AQAB","d":"mjhAcDqFMS5XMlgdX2ob7WzuLXihPU1YxAJDqCV2WtVNzJ3bVhR_qRkhR9lVb10S_pMxzniZ50dsg3TJ7Q-qzhoKE5JQ8pw4dsjrawKLjxYji1B1qlMpuGW1UqoURnZR_UR1gDzbaeZRwkiF6UEgrb-G30JapMoVUxigqnhs-86M4M6_DHIKcV97EcX4-lbuwnpvgH4T98GFbj7wQwdFvuWQPoefK1OlSb3Qcp5wALhk5It-fJj9s9NvlFAMIH7y-sJb0ujQ4rO2jmE743MGJ7UwjswAwrteIwkvlZ9ROYFP3vT2jZM3p-vEnxqg5l3f0rgMytNfaxrFFrBuYoPZ","p":"1qrsw9Q9ChwG2fBcfPtVBx0lFOScgiLUxJgeROvVe3EGa0NrvG0PoxKEG4J1vB1hWKwOmLBnG9mtoiyOy18fzczDYh46g8FRQIuIatjeV2Sp9NDriIzKHNGeu6Lpw0mGwBDXEsMANJnvN9SPgX5GRPA0BrWMjiGrQ7VKI4VsTMs","q":"zHWyEr1eXiSFYOdqrzwz4rGBCa3EW2ctHVaL0R8cMYRb9NZHs_UKynl_CEtQj0gIgK3mkEcqOmm8e153VpQTb_RAZ_MF5kg5H7z8fU-7DKSndLuNouY2BEBhUSbSLSEUaJWKHxAWQ5oBuX7Zs6Riii3-uSGmvApcgRAdnZ9AODk","dp":"NdHuwH5Cu3khYpy3o4Ij5D-zX1SdxKbU72EwHZl_EY7ZzCTAKyKwy_LFelwwBnTbRi8FDdUUVNAzjzhaqLR1tdRDnCL2Crh6FZOmJRuwSvrq_X0vwDGELsuDX4nNz-9sQFU4hvSq5YU-i6HYROAS4A_VC2WTEsNwO-6E4vj9mRc","dq":"M0Bdfu0RNrAY7w2TZJHGv9CW9AIm8nKOkIgdTDJsMs1m75y3JJkMN2z1NvMKIqB_4SG2Zfwwzaurn5EygPVlWe70Jhp5JBx-lUIeWJsf3C95-nz5KBhk-fPZcSo2DTH5l63EjbzOl-uG-ySdFbbjLJgS_f09em1ueru7cMN2qaE","qi":"ZXsI5m30kQT2eQEJQ3jPO3T9XCbtbUNX7X9DCitzbU065uKbamFUNiDWMDa1sxbSbm-mNxx8VpgCayAIRaP-tmG_NoZykuVZgd1XOF-WvzsBraJx-O-L4xTVAQs4G6NDA_t3mJYnvWsAp5jPjTs_GIHqYtOUkcx_rUmDPbcNLnE"}"#;

/// Test key B (RSA-2048), parsed once per process.
pub fn rsa_2048_b() -> Arc<RsaPrivateKey> {
    static KEY: OnceLock<Arc<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| parse(RSA_2048_B)).clone()
}

const RSA_2048_C: &str = r#"{"kty":"RSA","n":"w6tJbiO5N0cRsqpNNhedWEsP6q_OQL1yRJXtXQpn4yaaU2NbAz07ScxIJR6SbGd1r0LC8EPuJL8LXxsR3OihuKXFvukI1eOdcaq0ssxS03aPp2LaZ3OpAB2ubEjqthdVkpcQYWIcadL6FC4YJUW-ljhtMdFrzEi9NvgR5FKJ9IhQ8pvdlj_wE9EnFD7MQiXnr_MLP5lphkz4Swne6gJABAUP8ZIv8Y69PYNvV-ybwa1SJ396Ji8oHVeB6f70jXHVID_93mee9fL4SKP8hvroHpc8_DxKYttUULb_dSRHtX_DJ-WtVrwPbzdK0qvZZxdH_ILDEsTVTu5pTGWZBWB9tw","e":"AQAB","d":"PGrLRaLqMdNT96L2LFmmT_j9dS3LtdnJSrwwiqYH5e-pf04ScDGb-PGG5U9HTwmzIOawYpfXFKmYzUkCfv-lz-n_4S77d2_M0agwG3VTrc_SE5FGduMTr-F6Vh09u_QAjD7w4-DzfQmUBl8lPX0HmELcFKHhczaSlkKK48FIr6RNW-F3ibN-usAciVYBn9Ll2hUl5819AoM9a795VdwXE5iQDPkg6-wdtCR2tEDpdZjkn1kzUTfKX4ALTCBVACCfvZIUGr3WQv5CZCJR4lNev-9HxrDCwdycZY4dtMRbc7t8IVlyNHqmYlatcgtTIX9EWj2Co1vqdNy6dpUOMGRJwQ","p":"6p9-G5zPMajsRNiA0ZzmKYJbiwlnQoVO9pzYV7J6mBUPFcGCDUxpnoNDM4o_AN1vWUmbhsgqKDe4XheajOZczfxzRhirKs56i0_ksL4oeuw2NN-wnDEu6lKxXD0yj9enFD8Qf-xTVKquZOnXRLm4k5GZGviT1vQVNXZxFZY9elk","q":"1X80yhTULExyIBo1-MAC5aLM_PyEK1sP67tJzcqDZLydlBowCrJW15OdDcvcfgQkipmapNoCBOpl-VAyF2QDRJg2wqRDWSweiZUm2sexXoffSh-TM7OuKBR1Oe2VHLeNsQY2iwGzbw2kerk0DbV8lnEQDZnHkJZeJRGFVEEBlo8","dp":"NvIrImRS0Zpx2p2pbW2FKWtx7NnC6P03ROHueHs_4qXr5nhu8JZYldq_vi4-GwHAtfRbC_GMjeaesspsU1sPmN3qURwt2dSJNl77e7jM2hy_hRptzeZmylGbX7KlSLKEWmV6g7rguQ9P0CpDU8D6zPRoGrzkQo7e-KpISXnp4-E","dq":"QV_mZkrifX4bJEFibX0-ZdroMj-QqUYFJgX_n4h3m402I3exZlUdyn1lBih6qAvUtKw8cmZfX-n2t9UawZbaeVKy0f9CsDeWUkLd1vh3E58_fI8WoCpRFezNyKM7mcOLG73vTbmDnGntB7dWfSwprleItuFz_o5M3cTzss0FE3k","qi":"pTzeqdgxKA5ScDFEg2dqNbTy2ShAsVN0PPmBvv6kSFOamxOx80VIJ-R_WuNepJb7i1pEa21oYACpOZ3_4I30yeNNt5O66j51gnPLi0LZ1TXPLpKOquBRE34867Yam_Re1ET5ztSdeqFddcTxwbRSSvikpf_2ijd7wN5UaFxkE7w"}"#;

/// Test key C (RSA-2048), parsed once per process.
pub fn rsa_2048_c() -> Arc<RsaPrivateKey> {
    static KEY: OnceLock<Arc<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| parse(RSA_2048_C)).clone()
}

/// The private JWK of test key A.
pub fn rsa_2048_a_jwk() -> Jwk {
    Jwk::from_json(RSA_2048_A.as_bytes()).expect("embedded test key parses")
}

fn parse(json: &str) -> Arc<RsaPrivateKey> {
    let jwk = Jwk::from_json(json.as_bytes()).expect("embedded test key parses");
    Arc::new(RsaPrivateKey::from_jwk(&jwk).expect("embedded test key is valid"))
}
