inputs = {
  base64decode = base64decode("Z2VuMw==")
  base64encode = base64encode("gen3 ✓")
  csvdecode    = csvdecode("a,b\n1,2\n3,4\n")
  jsondecode   = jsondecode("{\"a\": [1, 2.5, null, true], \"b\": {\"c\": \"d\"}}")
  jsonencode   = jsonencode({ b = [1, "two", null], a = { nested = true }, html = "<&>" })
  yamldecode   = yamldecode("a: 1\nb: [x, y]\nc:\n  d: true\n")
  yamlencode   = yamlencode({ name = "fence", ports = [80, 443], on = true })
  urlencode    = urlencode("a b&c=d/é")
}
