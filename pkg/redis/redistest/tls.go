package redistest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TLSFiles are PEM files of a test certificate authority and a server
// certificate it signed for 127.0.0.1 and localhost.
type TLSFiles struct {
	CA   string // the CA certificate: what clients trust (REDIS_TLS_CA_FILE)
	Cert string // the server certificate
	Key  string // the server's private key
}

// WriteTLSFiles generates a fresh ECDSA CA and server certificate, valid for
// a day, into dir.
func WriteTLSFiles(dir string) (*TLSFiles, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	f := &TLSFiles{
		CA:   filepath.Join(dir, "ca.crt"),
		Cert: filepath.Join(dir, "server.crt"),
		Key:  filepath.Join(dir, "server.key"),
	}
	for path, block := range map[string]*pem.Block{
		f.CA:   {Type: "CERTIFICATE", Bytes: caDER},
		f.Cert: {Type: "CERTIFICATE", Bytes: der},
		f.Key:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// StartTLS starts a private redis-server that listens only on a TLS port,
// with a certificate generated for the test, and stops it at cleanup.
// Clients need not present certificates (--tls-auth-clients no). It fails
// the test when redis-server was built without TLS: TLS is part of what the
// project supports, so it is never skipped.
func StartTLS(t testing.TB, args ...string) (*Server, *TLSFiles) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not in PATH: install it (apt-get install redis-server)")
	}
	dir := t.TempDir()
	files, err := WriteTLSFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for try := 0; try < 5; try++ {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{Dir: dir, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		if last = s.startTLS(files, args); last == nil {
			t.Cleanup(s.Kill)
			return s, files
		}
		if strings.Contains(last.Error(), "not supported") || strings.Contains(last.Error(), "Bad directive") {
			t.Fatalf("redis-server was built without TLS (Debian's redis-server has it): %v", last)
		}
	}
	t.Fatal(last)
	return nil, nil
}

func (s *Server) startTLS(f *TLSFiles, extra []string) error {
	args := append([]string{
		"--port", "0",
		"--tls-port", strconv.Itoa(s.Port),
		"--tls-cert-file", f.Cert,
		"--tls-key-file", f.Key,
		"--tls-ca-cert-file", f.CA,
		"--tls-auth-clients", "no",
	}, append(s.baseArgs(), extra...)...)
	if err := s.spawn(args); err != nil {
		return err
	}
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(f.CA)
	if err != nil {
		s.Kill()
		return err
	}
	pool.AppendCertsFromPEM(caPEM)
	c := redis.NewClient(&redis.Options{
		Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second, PoolSize: 1,
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
	})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case <-s.exited:
			s.cmd = nil
			return fmt.Errorf("redistest: redis-server exited at start: %s", s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || strings.HasPrefix(err.Error(), "NOAUTH") {
			return nil
		}
	}
	s.Kill()
	return fmt.Errorf("redistest: TLS redis-server on %s did not answer within 10s: %s", s.Addr, s.logTail())
}
