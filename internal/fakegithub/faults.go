package fakegithub

// LostAnswer serves times requests as usual (the comment is created, the
// status set) and then answers status, such as 502, with GitHub's error
// body instead of the real answer: what a client sees when GitHub or a
// proxy in front of it fails after making the write.
func LostAnswer(status, times int) Fault {
	f := ServerError(status, times)
	f.served = true
	return f
}
