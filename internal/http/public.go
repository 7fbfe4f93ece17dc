package http

// publicRoutes are the routes of the public results site (owned by public*.go).
func (s *Server) publicRoutes() []route { return nil }
