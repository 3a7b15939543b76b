inputs = {
  md5          = md5("gen3")
  sha1         = sha1("gen3")
  sha256       = sha256("gen3")
  sha512       = sha512("gen3")
  base64sha256 = base64sha256("gen3")
  base64sha512 = base64sha512("gen3")
}
