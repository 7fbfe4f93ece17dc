package http

// consoleRoutes are the routes of the staff console (owned by console*.go).
func (s *Server) consoleRoutes() []route { return nil }
